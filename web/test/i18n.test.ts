import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { env } from 'node:process';
import { describe, it } from 'node:test';
import { messages } from '../src/i18n/messages';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const fr = flatten(messages.fr as unknown as Tree);
const en = flatten(messages.en as unknown as Tree);

function variables(text: string): string[] {
  return Array.from(text.matchAll(/\{\{\s*(\w+)\s*\}\}/g), (m) => m[1]).sort();
}

describe('translations', () => {
  it('French and English have exactly the same keys', () => {
    const onlyFr = [...fr.keys()].filter((k) => !en.has(k));
    const onlyEn = [...en.keys()].filter((k) => !fr.has(k));
    assert.deepEqual({ onlyFr, onlyEn }, { onlyFr: [], onlyEn: [] });
  });

  it('no message is empty', () => {
    const empty = [...fr, ...en].filter(([, v]) => v.trim() === '').map(([k]) => k);
    assert.deepEqual(empty, []);
  });

  it('both languages use the same {{variables}} in each message', () => {
    const differing = [...fr.keys()].filter(
      (k) => en.has(k) && variables(fr.get(k) ?? '').join() !== variables(en.get(k) ?? '').join(),
    );
    assert.deepEqual(differing, []);
  });

  it('keys follow <feature>.<screen>.<thing>', () => {
    const bad = [...fr.keys()].filter((k) => !/^[a-z]+\.[a-zA-Z]+\.[a-zA-Z.]+$/.test(k));
    assert.deepEqual(bad, []);
  });

  it('the language buttons are named in their own language in both languages', () => {
    for (const lang of [fr, en]) {
      assert.equal(lang.get('app.lang.fr'), 'Français');
      assert.equal(lang.get('app.lang.en'), 'English');
    }
  });

  it('every key written in the source exists', () => {
    const webDir = env.WEB_DIR;
    assert.ok(webDir, 'check.sh sets WEB_DIR');
    const features = Object.keys(messages.fr).join('|');
    const literal = new RegExp(`['"\`]((?:${features})\\.[a-zA-Z]+\\.[a-zA-Z.]+)['"\`]`, 'g');
    const missing: string[] = [];
    let seen = 0;
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
          for (const match of readFileSync(path, 'utf8').matchAll(literal)) {
            seen += 1;
            if (!fr.has(match[1])) missing.push(`${match[1]} (${path})`);
          }
        }
      }
    };
    walk(join(webDir, 'src'));
    assert.ok(seen > 50, `found only ${seen} keys: is the pattern still right?`);
    assert.deepEqual(missing, []);
  });
});
