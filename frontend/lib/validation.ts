// Client-side checks that mirror the backend's rules (API.md), so users learn early;
// the backend still decides and its messages are shown when it disagrees.

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const TAG_MAX = 32;
export const TAGS_MAX = 10;

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateEmail(email: string): string | null {
  const value = email.trim();
  if (!value) return "Enter your email address.";
  if (!EMAIL_RE.test(value)) return "Enter a valid email address, like name@example.com.";
  return null;
}

export function validatePassword(password: string): string | null {
  if (!password) return "Enter a password.";
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  return null;
}

export function validateTitle(title: string): string | null {
  const value = title.trim();
  if (!value) return "Give the task a title.";
  if (value.length > TITLE_MAX) return `Keep the title under ${TITLE_MAX} characters.`;
  return null;
}

/** Splits "work, Home ,work" into ["work", "home"]: trimmed, lower-cased, de-duplicated. */
export function parseTags(input: string): string[] {
  const seen = new Set<string>();
  for (const raw of input.split(",")) {
    const tag = raw.trim().toLowerCase();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

export function validateTags(tags: string[]): string | null {
  if (tags.length > TAGS_MAX) return `Use at most ${TAGS_MAX} tags.`;
  const long = tags.find((tag) => tag.length > TAG_MAX);
  if (long) return `Tags are at most ${TAG_MAX} characters ("${long.slice(0, 12)}…").`;
  return null;
}

export type Strength = { score: 0 | 1 | 2 | 3 | 4; label: string };

/** A rough hint only: length matters most, variety helps; the backend rejects common passwords. */
export function passwordStrength(password: string): Strength {
  if (!password) return { score: 0, label: "" };
  let score = 0;
  if (password.length >= PASSWORD_MIN) score++;
  if (password.length >= 12) score++;
  if (password.length >= 16) score++;
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (kinds >= 3) score++;
  if (password.length < PASSWORD_MIN) score = 0;
  const clamped = Math.min(score, 4) as Strength["score"];
  const labels = ["Too short", "Weak", "Fair", "Good", "Strong"] as const;
  return { score: clamped, label: labels[clamped] };
}
