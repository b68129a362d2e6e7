// The house rules of the web app's structure, checked on the source.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { env } from 'node:process';
import { describe, it } from 'node:test';

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry.name)) files.push(path);
  }
  return files;
}

/** Where each relative import of a file points, as a path relative to src/ (`features/home/index`). */
function importedPaths(file: string, src: string): string[] {
  return Array.from(readFileSync(file, 'utf8').matchAll(/\b(?:from|import)\s+'(\.[^']*)'/g), (m) =>
    relative(src, resolve(dirname(file), m[1])).split('\\').join('/'),
  );
}

/** The top-level area of src/ a path belongs to: `features/home`, `app`, `ui`, `lib`, `i18n`… */
function area(path: string): string {
  const [top, second] = path.split('/');
  return top === 'features' && second ? `features/${second}` : top;
}

describe('structure', () => {
  const src = join(env.WEB_DIR ?? '.', 'src');

  it('features import neither each other nor the app shell', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(join(src, 'features'))) {
      const own = area(relative(src, file).split('\\').join('/'));
      for (const target of importedPaths(file, src)) {
        const other = area(target);
        if (other === 'app' || (other.startsWith('features/') && other !== own)) wrong.push(`${own} -> ${target}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('shared code (ui, lib, i18n) imports no feature and not the shell', () => {
    const wrong: string[] = [];
    for (const dir of ['ui', 'lib', 'i18n']) {
      for (const file of sourceFiles(join(src, dir))) {
        for (const target of importedPaths(file, src)) {
          const other = area(target);
          if (other === 'app' || other.startsWith('features/')) wrong.push(`${dir} -> ${target}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('only the live source opens a WebSocket', () => {
    const openers = sourceFiles(src).filter(
      (file) => !file.endsWith(join('lib', 'liveSource.ts')) && /\bnew WebSocket\(/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(openers, []);
  });

  it('only the API client calls fetch', () => {
    const callers = sourceFiles(src).filter(
      (file) => !file.endsWith(join('lib', 'api.ts')) && /\bfetch\(/.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(callers, []);
  });
});
