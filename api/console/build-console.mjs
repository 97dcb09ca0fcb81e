// Bundles the web console (api/console/web) into dist/console/: one ES module script, its
// stylesheet and the page. Run from the repository root after `nest build` (./dev and the Dockerfile do).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), 'web');
const out = join(process.cwd(), 'dist', 'console');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(web, 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  tsconfig: join(web, 'tsconfig.json'),
});
for (const file of ['index.html', 'console.css']) copyFileSync(join(web, file), join(out, file));
