/** The topic catalogue: every topic file gathered, split into training and held-out topics. */

import type { Topic } from "./topic_types.ts";
import { COOKING_TOPICS } from "./topics_cooking.ts";
import { GARDEN_PET_TOPICS } from "./topics_garden_pets.ts";
import { HEALTH_SPORT_TOPICS } from "./topics_health_sport.ts";
import { HELD_OUT_TOPICS } from "./topics_held_out.ts";
import { HISTORY_WEATHER_TOPICS } from "./topics_history_weather.ts";
import { HOME_CAR_TOPICS } from "./topics_home_cars.ts";
import { PEOPLE_ARTS_TOPICS } from "./topics_people_arts.ts";
import { RISKY_HOME_TOPICS } from "./topics_risky_home.ts";
import { RISKY_OUTDOOR_TOPICS } from "./topics_risky_outdoor.ts";
import { RISKY_PRIVACY_TOPICS } from "./topics_risky_privacy.ts";
import { SCIENCE_TOPICS } from "./topics_science.ts";
import { STUDY_WORK_TOPICS } from "./topics_study_work.ts";
import { TECH_TOPICS } from "./topics_tech.ts";
import { TRAVEL_MONEY_TOPICS } from "./topics_travel_money.ts";

/** Topics whose dialogues appear in training (one phrasing of each is still held out). */
export const TRAINING_TOPICS: readonly Topic[] = [
  ...COOKING_TOPICS,
  ...GARDEN_PET_TOPICS,
  ...TRAVEL_MONEY_TOPICS,
  ...HEALTH_SPORT_TOPICS,
  ...STUDY_WORK_TOPICS,
  ...TECH_TOPICS,
  ...SCIENCE_TOPICS,
  ...HISTORY_WEATHER_TOPICS,
  ...HOME_CAR_TOPICS,
  ...PEOPLE_ARTS_TOPICS,
  ...RISKY_HOME_TOPICS,
  ...RISKY_OUTDOOR_TOPICS,
  ...RISKY_PRIVACY_TOPICS,
];

export { HELD_OUT_TOPICS };

/** Every topic, training first. */
export const ALL_TOPICS: readonly Topic[] = [...TRAINING_TOPICS, ...HELD_OUT_TOPICS];

const BY_ID = new Map(ALL_TOPICS.map((topic) => [topic.id, topic]));
const HELD_OUT_IDS = new Set(HELD_OUT_TOPICS.map((topic) => topic.id));

/** Looks a topic up by id; throws on an unknown id. */
export function findTopic(id: string): Topic {
  const topic = BY_ID.get(id);
  if (!topic) throw new Error(`unknown corpus topic: ${id}`);
  return topic;
}

/** True if the topic never appears in training dialogues. */
export function isHeldOutTopic(id: string): boolean {
  return HELD_OUT_IDS.has(id);
}
