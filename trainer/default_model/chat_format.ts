/**
 * The default model's dialogue format. Training text and the Jinja chat template shipped in
 * tokenizer_config.json must render the same characters, which chat_format_test.ts checks.
 *
 *   <|system|>\n{system}\n<|user|>\n{prompt}\n<|assistant|>\n{response}<|endoftext|>
 */

export const SPECIAL_TOKENS = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"] as const;
export const END_OF_TEXT = "<|endoftext|>";

export const CHAT_TEMPLATE = "{% for message in messages %}" +
  "{% if message['role'] == 'system' %}{{ '<|system|>\\n' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'user' %}{{ '<|user|>\\n' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}" +
  "{{ '<|assistant|>\\n' + message['content'] + '<|endoftext|>' }}" +
  "{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}";

/** The prompt part of a dialogue, ending where the assistant's answer begins. */
export function renderPrompt(prompt: string, system?: string): string {
  const systemPart = system === undefined ? "" : `<|system|>\n${system}\n`;
  return `${systemPart}<|user|>\n${prompt}\n<|assistant|>\n`;
}

/** A whole training dialogue: prompt, answer and end of text. */
export function renderDialogue(prompt: string, response: string, system?: string): string {
  return `${renderPrompt(prompt, system)}${response}${END_OF_TEXT}`;
}

/** tokenizer_config.json for the default model. */
export function tokenizerConfig(contextLength: number): Record<string, unknown> {
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    bos_token: END_OF_TEXT,
    eos_token: END_OF_TEXT,
    pad_token: END_OF_TEXT,
    unk_token: null,
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: contextLength,
    additional_special_tokens: SPECIAL_TOKENS.slice(1),
    chat_template: CHAT_TEMPLATE,
  };
}
