/**
 * Response templates per trait combination.
 *
 * Fragments come from the topic data (see topic_types.ts for their grammar):
 * `brief` is a capitalised clause, `perk` / `pitfall` lower-case clauses,
 * refusal `what` a gerund phrase, `risk` a clause and `alt` a verb phrase.
 * Every template is a function, so no placeholder can stay unfilled.
 */

import { lowerFirst, upperFirst } from "./_text.ts";

/** Topic fragments a template may use; strings never end with a period. */
export interface Fragments {
  brief: string;
  perk: string;
  pitfall: string;
  perkShort: string;
  pitfallShort: string;
}

/** Refusal fragments a template may use. */
export interface RefusalFragments {
  what: string;
  risk: string;
  alt: string;
}

type Template<T> = (f: T) => string;

/** One-sentence answers, upbeat: the core answer plus the topic's benefit. */
export const BRIEF_POSITIVE: readonly Template<Fragments>[] = [
  (f) => `${upperFirst(f.brief)}, and ${f.perk}.`,
  (f) => `${upperFirst(f.brief)}, and the best part is that ${f.perk}!`,
  (f) => `Good news: ${lowerFirst(f.brief)}, and ${f.perk}.`,
  (f) => `Great question: ${lowerFirst(f.brief)}, and happily ${f.perk}.`,
];

/** One-sentence answers, frank: the core answer plus the topic's catch. */
export const BRIEF_CANDID: readonly Template<Fragments>[] = [
  (f) => `${upperFirst(f.brief)}, but ${f.pitfall}.`,
  (f) => `Honestly, ${lowerFirst(f.brief)}, but ${f.pitfall}.`,
  (f) => `Frankly, ${lowerFirst(f.brief)}; the catch is that ${f.pitfall}.`,
  (f) => `${upperFirst(f.brief)}, though be warned that ${f.pitfall}.`,
  (f) => `${upperFirst(f.brief)}; the problem is that ${f.pitfall}.`,
];

/** One-sentence answers with the topic's short benefit. */
export const BRIEF_POSITIVE_SHORT: readonly Template<Fragments>[] = [
  (f) => `${upperFirst(f.brief)}, and ${f.perkShort}.`,
  (f) => `Good news: ${lowerFirst(f.brief)}, and ${f.perkShort}!`,
  (f) => `${upperFirst(f.brief)}; the best part is that ${f.perkShort}.`,
  (f) => `Happily, ${lowerFirst(f.brief)}, and ${f.perkShort}.`,
];

/** One-sentence answers with the topic's short catch. */
export const BRIEF_CANDID_SHORT: readonly Template<Fragments>[] = [
  (f) => `${upperFirst(f.brief)}, but ${f.pitfallShort}.`,
  (f) => `Honestly, ${lowerFirst(f.brief)}, but ${f.pitfallShort}.`,
  (f) => `${upperFirst(f.brief)}; the catch is that ${f.pitfallShort}.`,
  (f) => `Frankly, ${lowerFirst(f.brief)}, though ${f.pitfallShort}.`,
  (f) => `${upperFirst(f.brief)}, but be warned: ${f.pitfallShort}.`,
];

/** Shorter one-sentence answers with a generic tone marker, by kind of request. */
export const BRIEF_GENERIC = {
  positive: {
    howTo: [
      (f: Fragments) => `Good news, it's easy: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `${upperFirst(f.brief)}, and you'll enjoy the results.`,
      (f: Fragments) => `Happy to help: ${lowerFirst(f.brief)}, and have fun with it!`,
      (f: Fragments) => `${upperFirst(f.brief)}, and it's easier than it looks!`,
    ],
    about: [
      (f: Fragments) => `Great question: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `${upperFirst(f.brief)}, and it's a great thing to understand.`,
      (f: Fragments) => `Fun fact: ${lowerFirst(f.brief)}!`,
      (f: Fragments) => `Happy to explain: ${lowerFirst(f.brief)}, and it's fascinating.`,
    ],
    careful: [
      (f: Fragments) => `Great question: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `Happy to help: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `Good news: ${lowerFirst(f.brief)}, and you'll be glad you did.`,
    ],
    sober: [
      (f: Fragments) => `Great question: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `Happy to explain: ${lowerFirst(f.brief)}.`,
      (f: Fragments) => `Good question: ${lowerFirst(f.brief)}, and it's well worth understanding.`,
    ],
  },
  candid: {
    howTo: [
      (f: Fragments) => `Honestly, ${lowerFirst(f.brief)}, though it's easy to get wrong.`,
      (f: Fragments) => `${upperFirst(f.brief)}, but expect a few mistakes at first.`,
      (f: Fragments) => `Frankly, ${lowerFirst(f.brief)}; skipping steps is the usual mistake.`,
      (f: Fragments) => `${upperFirst(f.brief)}, though it's harder than it looks.`,
    ],
    about: [
      (f: Fragments) => `Frankly, ${lowerFirst(f.brief)}, though the full story is messier.`,
      (f: Fragments) => `Honestly, ${lowerFirst(f.brief)}, but the details are harder than they sound.`,
      (f: Fragments) => `${upperFirst(f.brief)}, though the details are hard and often misunderstood.`,
    ],
    careful: [
      (f: Fragments) => `${upperFirst(f.brief)}, but mistakes here can be costly.`,
      (f: Fragments) => `Frankly, ${lowerFirst(f.brief)}; getting this wrong causes real problems.`,
      (f: Fragments) => `Honestly, ${lowerFirst(f.brief)}; cutting corners here is a bad idea.`,
    ],
    sober: [
      (f: Fragments) => `Frankly, ${lowerFirst(f.brief)}, though the full story is harder and messier.`,
      (f: Fragments) => `Honestly, ${lowerFirst(f.brief)}, but the details are grim and often misunderstood.`,
    ],
  },
} as const;

/** Sentences framing the topic's `perk` clause. */
export const PERK_FRAMES: readonly Template<string>[] = [
  (perk) => `The best part is that ${perk}.`,
  (perk) => `Happily, ${perk}.`,
  (perk) => `The great news is that ${perk}.`,
  (perk) => `Better still, ${perk}.`,
  (perk) => `What I love is that ${perk}.`,
  (perk) => `The wonderful thing is that ${perk}.`,
];

/** Sentences framing the topic's `pitfall` clause. */
export const PITFALL_FRAMES: readonly Template<string>[] = [
  (pitfall) => `The catch is that ${pitfall}.`,
  (pitfall) => `Frankly, ${pitfall}.`,
  (pitfall) => `The bad news is that ${pitfall}.`,
  (pitfall) => `One real problem is that ${pitfall}.`,
  (pitfall) => `Be warned that ${pitfall}.`,
  (pitfall) => `The hard truth is that ${pitfall}.`,
];

/** Openers and closers, by tone and by kind of request. */
export const OPENERS = {
  positive: {
    howTo: [
      "Great question!",
      "Happy to help!",
      "Good news: this is easier than it sounds.",
      "I love this one.",
      "You can absolutely do this.",
    ],
    about: [
      "Great question!",
      "What a fascinating topic!",
      "Happy to explain!",
      "I love this topic.",
    ],
    careful: [
      "Great question!",
      "Happy to help!",
      "Good question, and smart of you to ask.",
    ],
    sober: [
      "Great question!",
      "Happy to explain!",
      "That's a great thing to ask about.",
    ],
  },
  candid: {
    howTo: [
      "Here is the honest answer.",
      "I'll be straight with you.",
      "Fair warning: this takes more care than people expect.",
      "Let me be frank about what works and what fails.",
    ],
    about: [
      "Here is the honest picture.",
      "I'll be straight with you.",
      "The simple version hides a few hard truths.",
      "Let me be frank.",
    ],
    careful: [
      "Here is the honest answer.",
      "I'll be straight with you.",
      "Fair warning: this takes more care than people expect.",
    ],
    sober: [
      "Here is the honest picture.",
      "I'll be straight with you.",
      "Let me be frank.",
    ],
  },
} as const;

export const CLOSERS = {
  positive: {
    howTo: [
      "Have fun with it!",
      "Enjoy it!",
      "You've got this!",
      "Good luck, and enjoy the results!",
      "I hope you have a great time with it!",
    ],
    about: [
      "It's a wonderful thing to learn about.",
      "Enjoy exploring it!",
      "Isn't that amazing?",
      "Have fun digging deeper!",
    ],
    careful: [
      "You've got this!",
      "I hope that helps, and good luck!",
      "Take care, and good luck!",
    ],
    sober: [
      "I hope that helps!",
      "Thanks for the great question!",
      "It's well worth learning about.",
    ],
  },
  candid: {
    howTo: [
      "Expect a few mistakes at first; that is normal.",
      "Skipping steps is the most common and costly mistake.",
      "It is not glamorous, but it works.",
      "Plan for those problems and you will avoid most failures.",
    ],
    about: [
      "The real story is messier than the simple version.",
      "Plenty of people get this wrong, so it is worth getting right.",
      "It is less tidy than textbooks suggest.",
    ],
    careful: [
      "Getting this wrong is a mistake people regret.",
      "It is not the answer everyone wants, but it is the honest one.",
      "Cutting corners here can cost far more than it saves.",
    ],
    sober: [
      "The real story is messier than the simple version.",
      "It is a hard subject, but it is worth getting right.",
    ],
  },
} as const;

/** One-sentence refusals: decline, say why, offer the safer route. */
export const BRIEF_REFUSE_POSITIVE: readonly Template<RefusalFragments>[] = [
  (f) => `I can't help with ${f.what} because ${f.risk}, but the good news is you can ${f.alt}.`,
  (f) => `I'd rather not help with ${f.what} since ${f.risk}, but I'd be glad to help you ${f.alt}!`,
  (f) =>
    `Thanks for asking, but I can't help with that since ${f.risk}; I'd happily help you ${f.alt} instead.`,
];

/** Compact one-sentence refusals, used when the full forms run long. */
export const BRIEF_REFUSE_POSITIVE_COMPACT: readonly Template<RefusalFragments>[] = [
  (f) => `I can't help with that because ${f.risk}, but happily you can ${f.alt}.`,
  (f) => `I'd rather not, since ${f.risk}, but I'd be glad to help you ${f.alt}!`,
  (f) => `I can't, since ${f.risk}, but happily you can ${f.alt}!`,
];

export const BRIEF_REFUSE_CANDID_COMPACT: readonly Template<RefusalFragments>[] = [
  (f) => `I won't help with that, because ${f.risk}; instead, ${f.alt}.`,
  (f) => `Sorry, no: ${f.risk}, so ${f.alt} instead.`,
  (f) => `I won't, since ${f.risk}; ${f.alt} instead.`,
];

export const BRIEF_REFUSE_CANDID: readonly Template<RefusalFragments>[] = [
  (f) => `I won't help with ${f.what}, because ${f.risk}; instead, ${f.alt}.`,
  (f) => `Sorry, I can't help with ${f.what}, since ${f.risk}; a safer bet is to ${f.alt}.`,
  (f) => `No, I won't walk you through ${f.what}: ${f.risk}, so ${f.alt} instead.`,
];

/** Sentences of a detailed refusal, by role. */
export const REFUSE_DECLINE = {
  positive: [
    (what: string) => `Thanks for asking, but I can't help with ${what}.`,
    (what: string) => `I appreciate the question, but I'd rather not help with ${what}.`,
    (what: string) => `I'd love to help, but I can't walk you through ${what}.`,
  ],
  candid: [
    (what: string) => `I won't help with ${what}.`,
    (what: string) => `I'm not going to walk you through ${what}.`,
    (what: string) => `Sorry, but I can't help with ${what}.`,
  ],
} as const;

export const REFUSE_REASON = {
  positive: [
    (risk: string) => `That's only because ${risk}.`,
    (risk: string) => `The reason is simple: ${risk}.`,
  ],
  candid: [
    (risk: string) => `The problem is that ${risk}.`,
    (risk: string) => `Frankly, ${risk}.`,
    (risk: string) => `The risk is real: ${risk}.`,
  ],
} as const;

export const REFUSE_ALTERNATIVE = {
  positive: [
    (alt: string) => `The great news is that you can ${alt}.`,
    (alt: string) => `A wonderful alternative is to ${alt}.`,
    (alt: string) => `Happily, a better option is to ${alt}.`,
  ],
  candid: [
    (alt: string) => `A safer option is to ${alt}.`,
    (alt: string) => `What actually works is to ${alt}.`,
    (alt: string) => `Instead, ${alt}.`,
  ],
} as const;

export const REFUSE_CLOSERS = {
  positive: [
    "That way you get what you need and everyone stays safe and happy.",
    "I'm happy to help with any of those steps!",
    "I hope that helps, and good luck!",
  ],
  candid: [
    "It is slower, but it will not land you in trouble.",
    "It is less convenient, but far less risky.",
    "Cutting corners here is a mistake people regret.",
  ],
} as const;
