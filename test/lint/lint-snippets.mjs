// Lints code snippets under made-up file names with the project's real eslint.config.mjs.
// Reads [{ filePath, code }] as JSON on stdin, writes [{ filePath, messages }] on stdout.
// A child process because ESLint loads its flat config with import(), which jest's VM refuses.
import { ESLint } from 'eslint';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const snippets = JSON.parse(input);
// The project service only knows files on disk; made-up names go to its default project.
const fixtureDirs = [...new Set(snippets.map(({ filePath }) => `${filePath.split('/').slice(0, -1).join('/')}/*.ts`))];
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: fixtureDirs } } },
  },
});
const out = [];
for (const { filePath, code } of snippets) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push({
    filePath,
    messages: result.messages.map(({ ruleId, message, line, severity }) => ({ ruleId, message, line, severity })),
  });
}
process.stdout.write(JSON.stringify(out));
