// Reading a JSON file a stage wrote: its value, or null when the file does not exist.
import { existsSync, readFileSync } from 'node:fs';

export function readJson<T>(file: string): T | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : null;
}
