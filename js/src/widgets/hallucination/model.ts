// HallucinationFlagger's data: the traits, a flag and its evidence, a model's text, the verdicts.
import type { Box } from "../../lib/boxes";
import type { Piece } from "../../lib/spans";
import type { ReviewModel } from "../../lib/review";

export interface FlaggerModel extends ReviewModel {
  categories: string[];
  models: string[];
  display_size: number;
}

export interface Evidence {
  kind: "box" | "not_in_image";
  box?: Box;
}

export interface Flag {
  id: number | string; // event id ("tmp…" until the kernel acknowledges)
  model: string;
  t0: number;
  t1: number;
  category: string;
  evidence: Evidence | null;
  span?: string;
}

export interface TextInfo {
  model: string;
  pieces: Piece[];
  verdict: string | null;
}

export const VERDICTS = ["faithful", "hallucinated", "unsure"] as const;
export type Verdict = (typeof VERDICTS)[number];
export const VERDICT_KEYS: Record<Verdict, string> = { faithful: "a", hallucinated: "h", unsure: "u" };
export const PALETTE = ["#e53935", "#fb8c00", "#8e24aa", "#1e88e5", "#43a047", "#6d4c41", "#00897b", "#c0ca33", "#546e7a"];

export const evidenceText = (e: Evidence | null): string =>
  !e ? "no evidence yet" : e.kind === "not_in_image" ? "not in image" : `box ${e.box!.map((v) => Math.round(v)).join(",")}`;
