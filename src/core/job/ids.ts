// Job ids and window names. Ids are short enough to type and read aloud, and made only of
// characters that are safe in paths, tmux targets and shell words.
import { customAlphabet } from "nanoid";

const ID_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** 8 characters of [0-9a-z]: 2.8e12 ids, collision-free in practice for one machine's jobs. */
export const newJobId = customAlphabet(ID_ALPHABET, 8);

export const JOB_ID_PATTERN = /^[0-9a-z]{8}$/;

/** The window name a person sees in tmux: the job's name made safe, plus its id. */
export function windowNameFor(name: string, id: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 24)
    .replace(/-+$/g, "");
  return slug ? `${slug}-${id}` : `job-${id}`;
}
