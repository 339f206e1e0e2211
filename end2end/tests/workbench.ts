// Set-up for the review tests, done the way an operator would: each test gets its own task
// (a copy of the built-in `tag` task with its own routing settings), its own items (with an
// imported judge answer, so routing is known in advance) and its own people, through the
// `cojudge` CLI against the e2e database. Tests can therefore run in parallel without sharing a
// queue. `sql` reads the database to check what the pages did.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'target/release/cojudge');
const CRITERIA = ['relevance', 'consistency', 'specificity', 'validity'];

export function cojudge(args: string[], input?: string): string {
  const env = { ...process.env, COJUDGE_DATA_DIR: 'target/e2e' };
  delete env.DATABASE_URL;
  return execFileSync(BIN, args, { cwd: ROOT, env, input, encoding: 'utf8' });
}

let databaseUrl: string | undefined;

/** Runs `query` against the e2e database; rows as arrays of text. */
export function sql(query: string): string[][] {
  databaseUrl ??= cojudge(['db', 'start']).trim().split('\n').pop()!;
  const out = execFileSync('psql', [databaseUrl, '-XAtF', '\t', '-c', query], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.length > 0).map((line) => line.split('\t'));
}

const suffix = () => randomBytes(4).toString('hex');

export interface TaskOptions {
  annotationsPerItem?: number;
  showJudgeSuggestion?: boolean;
  /** Share of confidently judged items sent to humans anyway (the audit sample). */
  auditRate?: number;
  /** Annotations needed on audit and golden items (default 2). */
  annotationsPerAuditItem?: number;
}

/** Creates a task like `tag` with the given routing settings; returns its name. */
export function makeTask(options: TaskOptions = {}): string {
  const name = `e2e-${suffix()}`;
  let toml = readFileSync(path.join(ROOT, 'tasks/tag.toml'), 'utf8').replace(/^name = "tag"$/m, `name = "${name}"`);
  toml = toml.replace(/^annotations_per_item = \d+/m, `annotations_per_item = ${options.annotationsPerItem ?? 1}`);
  toml = toml.replace(/^show_judge_suggestion = \w+/m, `show_judge_suggestion = ${options.showJudgeSuggestion ?? true}`);
  if (options.annotationsPerAuditItem !== undefined) {
    toml = toml.replace(/^annotations_per_audit_item = \d+/m, `annotations_per_audit_item = ${options.annotationsPerAuditItem}`);
  }
  if (options.auditRate !== undefined) toml = toml.replace(/^audit_rate = [\d.]+/m, `audit_rate = ${options.auditRate}`);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cojudge-e2e-')), `${name}.toml`);
  writeFileSync(file, toml);
  cojudge(['task', 'import', file]);
  return name;
}

export interface ItemOptions {
  /** Golden items are blind: the judge is never shown. */
  golden?: (n: number) => boolean;
  /** Markup to put in the generated reason (to check it is shown as text). */
  reason?: string;
  /** The judge's confidence on every criterion (default 0.55, below the 0.8 threshold). */
  confidence?: number;
}

/**
 * Imports `count` items named `{task}-{n}`, each with a judge answer of confidence 0.55 (below
 * the 0.8 threshold, so every item goes to humans): every criterion `pass`, rationale "judged".
 */
export function addItems(task: string, count: number, options: ItemOptions = {}): string[] {
  const ids: string[] = [];
  const lines = [];
  for (let n = 0; n < count; n++) {
    const id = `${task}-${n}`;
    ids.push(id);
    const all = (value: unknown) => Object.fromEntries(CRITERIA.map((c) => [c, value]));
    lines.push(JSON.stringify({
      external_id: id,
      context: {
        user: { age_band: '25-34', gender: 'female', city_tier: 2 },
        interests: ['tennis'],
        recent: { clicks: ['tennis balls'], purchases: ['tennis racket'], searches: [] },
      },
      output: { tags: [{ tag: `tag number ${n}`, interest: 'tennis', reason: options.reason ?? 'fits the racket' }] },
      golden: options.golden?.(n) ? all('pass') : undefined,
      judgment: {
        labels: all('pass'), confidence: all(options.confidence ?? 0.55), rationale: all('judged'),
        model: 'e2e-judge', prompt_version: 'p-e2e',
      },
    }));
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cojudge-e2e-')), 'items.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  cojudge(['import', '--task', task, file]);
  return ids;
}

export interface Person { email: string; password: string }

/** Creates an account with `role`. */
export function addPerson(role: 'admin' | 'trainer' | 'reviewer' | 'annotator'): Person {
  const person = { email: `e2e-${role}-${suffix()}@example.org`, password: `pw-${suffix()}-${suffix()}` };
  cojudge(['user', 'add', '--email', person.email, '--role', role, '--password-stdin'], person.password + '\n');
  return person;
}

/** Item states of `task`, e.g. `{ done: 3 }`. */
export function states(task: string): Record<string, number> {
  const rows = sql(`SELECT i.state, count(*) FROM items i JOIN tasks t ON t.id = i.task_id
                    WHERE t.name = '${task}' GROUP BY i.state`);
  return Object.fromEntries(rows.map(([state, count]) => [state, Number(count)]));
}

/** Runs `cojudge judge eval` for `task` with a candidate `model` against the e2e fake endpoint. */
export function judgeEval(task: string, model: string): string {
  const endpoint = readFileSync(path.join(ROOT, 'target/e2e/fake-openai.out'), 'utf8').match(/http:\/\/\S+/)![0];
  return cojudge(['judge', 'eval', '--task', task, '--model', model, '--openai-base-url', endpoint,
                  '--judge-model', 'fake-judge']);
}

/**
 * Final human verdicts on every judged item of `task`, decided by `person`: the judge's labels
 * (`agree`), or `fail` on every criterion where the judge said otherwise.
 */
export function humanVerdicts(task: string, person: Person, options: { agree: boolean } = { agree: true }) {
  const label = options.agree ? "c.value ->> 'label'" : "'fail'";
  sql(`INSERT INTO verdicts (item_id, criteria, qualified, grade, provenance, decided_by, rubric_version)
       SELECT j.item_id, jsonb_object_agg(c.key, ${label}), ${options.agree}, '${options.agree ? 'S' : 'B'}', 'human',
              (SELECT id FROM users WHERE email = '${person.email}'), 1
       FROM judgments j JOIN items i ON i.id = j.item_id JOIN tasks t ON t.id = i.task_id,
            jsonb_each(j.criteria) c
       WHERE t.name = '${task}' GROUP BY j.item_id`);
}
