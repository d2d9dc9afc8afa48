/**
 * The README's cheap commands run as written, and every `simgan <command>` it names exists.
 *
 * Marker: a fenced sh/bash block whose line just before the opening fence is exactly
 * `<!-- cheap: run by test/readme-commands.test.ts -->` is cheap; every command line in it is run, in order
 * (docs/DEVELOPMENT.md, "The README's commands are tested").
 * Paths: every `--out P` argument and every argument starting with `runs/` is moved into one fresh
 * temporary folder (TMP/P; an absolute P becomes TMP/<its base name>), so nothing is written into the
 * working tree and later commands find what earlier ones wrote (e.g. `runs/toy`).
 * `npx simgan` runs as `node dist/src/cli.js` (the same CLI), from the project root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../src/paths';

export const CHEAP_MARKER = '<!-- cheap: run by test/readme-commands.test.ts -->';
const cli = path.join(projectRoot, 'dist', 'src', 'cli.js');
const readme = readFileSync(path.join(projectRoot, 'README.md'), 'utf8');

function simgan(args: string[]) {
  const { SIMGAN_BACKEND: _ignored, ...env } = process.env;
  return spawnSync(process.execPath, [cli, ...args], { cwd: projectRoot, encoding: 'utf8', env, timeout: 120000 });
}

/** The command lines of the marked blocks, comments stripped, in README order. */
export function cheapCommands(markdown: string): string[] {
  const lines = markdown.split('\n');
  const commands: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== CHEAP_MARKER) continue;
    const fence = lines[i + 1] ?? '';
    if (!/^```(sh|bash|shell)\s*$/.test(fence)) throw new Error(`README line ${i + 1}: the cheap marker must be followed by a \`\`\`sh fence, found ${JSON.stringify(fence)}`);
    for (let j = i + 2; j < lines.length && !lines[j].startsWith('```'); j++) {
      const command = lines[j].replace(/(^|\s+)#.*$/, '').trim();
      if (command) commands.push(command);
    }
  }
  return commands;
}

/** argv for the CLI: `npx simgan` dropped, output paths moved into `tmp`. */
export function cliArgs(command: string, tmp: string): string[] {
  if (/[|&;<>$`'"\\(){}*?]/.test(command)) throw new Error(`${command}: a cheap command must be one plain simgan call (no shell syntax)`);
  const words = command.split(/\s+/);
  if (words[0] !== 'npx' || words[1] !== 'simgan') throw new Error(`${command}: a cheap command must start with npx simgan`);
  const relocate = (p: string) => path.join(tmp, path.isAbsolute(p) ? path.basename(p) : p);
  const args = words.slice(2);
  return args.map((a, k) => {
    if (a.startsWith('--out=')) return `--out=${relocate(a.slice('--out='.length))}`;
    if (args[k - 1] === '--out' || a.startsWith('runs/')) return relocate(a);
    return a;
  });
}

/** Commands `simgan help` lists (first word of each entry), with their subcommands (e.g. data → info, build, show). */
function helpCommands(): Map<string, Set<string>> {
  const r = simgan(['help']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.trim() === 'commands:');
  assert.ok(start >= 0, 'simgan help has no "commands:" section');
  const entries: string[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() && !line.startsWith(' ')) break; // the next section (presets:, environment:)
    const m = /^ {2}([a-z][a-z0-9-]*)(?: +([a-z]+)\b)?/.exec(line);
    if (m) entries.push([m[1], m[2] ?? '']);
  }
  const commands = new Map<string, Set<string>>();
  for (const [name] of entries) commands.set(name, new Set());
  for (const [name, sub] of entries) {
    // Only a command with several entries (data info / build / show) has subcommands.
    if (entries.filter(([n]) => n === name).length > 1 && sub) commands.get(name)!.add(sub);
  }
  return commands;
}

test('the README marks at least 5 cheap commands, each one plain simgan call', () => {
  const commands = cheapCommands(readme);
  assert.ok(commands.length >= 5, `found ${commands.length} cheap commands (marker: ${CHEAP_MARKER})`);
  for (const c of commands) cliArgs(c, os.tmpdir());
});

test('every simgan <command> the README names is a command simgan help lists', () => {
  const known = helpCommands();
  assert.ok(known.has('train') && known.has('doctor'), `parsed from help: ${[...known.keys()].join(', ')}`);
  const named = [...readme.matchAll(/\bsimgan[ \t]+([a-z][a-z0-9-]*)(?:[ \t]+([a-z]+)\b)?/g)];
  assert.ok(named.length > 0);
  for (const [text, command, sub] of named) {
    assert.ok(known.has(command), `README names '${text}', but simgan help lists no '${command}' (commands: ${[...known.keys()].join(', ')})`);
    const subs = known.get(command)!;
    if (subs.size) assert.ok(sub !== undefined && subs.has(sub), `README names '${text}': ${command} needs one of ${[...subs].join(', ')}`);
  }
});

test('the README\'s cheap commands run: status 0 and some output', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'simgan-readme-'));
  try {
    for (const command of cheapCommands(readme)) {
      await t.test(command, () => {
        const r = simgan(cliArgs(command, tmp));
        assert.equal(r.status, 0, `${command}\nexit ${r.status} ${r.signal ?? ''}\n${r.stderr}`);
        assert.ok(r.stdout.trim().length > 0, `${command}: printed nothing on stdout`);
      });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
