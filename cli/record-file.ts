/**
 * The JSON records the CLI resumes from (results.json, metrics.json): read, checked for their
 * format and required fields, and every problem reported as a CliError (exit 2) naming the file.
 */
import { readFileSync } from 'node:fs';
import { CliError, EXIT } from './exit.ts';

export interface RecordKind {
  /** The `format` field the file must carry, e.g. lenet-webgpu-study/1. */
  format: string;
  /** What the file is, for messages: "study" or "run". */
  of: 'study' | 'run';
  /** Fields that must be present: objects, or arrays where named so. */
  fields: Record<string, 'object' | 'array'>;
}

export function readRecordFile<T>(file: string, kind: RecordKind): T {
  const elsewhere = `start a new ${kind.of} in another --out`;
  let record: Record<string, unknown> | null;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null;
  } catch (error) {
    throw new CliError(`${file} cannot be read as JSON (${(error as Error).message}); it is the ${kind.of}'s record — restore it, or ${elsewhere}`, EXIT.usage);
  }
  if (record?.format !== kind.format) {
    throw new CliError(`${file} is not the record of a ${kind.of} (format ${JSON.stringify(record?.format)}, expected ${kind.format}); ${elsewhere}`, EXIT.usage);
  }
  const bad = Object.entries(kind.fields).filter(([name, shape]) => {
    const value = record[name];
    return shape === 'array' ? !Array.isArray(value) : typeof value !== 'object' || value === null;
  }).map(([name]) => name);
  if (bad.length) throw new CliError(`${file}: ${bad.join(', ')} missing or malformed; restore the file, or ${elsewhere}`, EXIT.usage);
  return record as T;
}
