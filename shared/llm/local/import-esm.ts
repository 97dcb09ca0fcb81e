import { pathToFileURL } from 'node:url';
import type * as VmModule from 'node:vm';

/**
 * node-llama-cpp is ESM with top-level await, which require() cannot load, and both tsc and swc compile
 * `import()` to require() under CommonJS. A Function body keeps a real import(); under jest's VM sandbox
 * (no --experimental-vm-modules) that has no loader, so there it runs in the main context's loader instead.
 * The package is resolved from here first, so neither path depends on the working directory.
 */
const nativeImport = new Function('url', 'return import(url)') as (url: string) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  const url = pathToFileURL(require.resolve(specifier)).href;
  try {
    return (await nativeImport(url)) as T;
  } catch (err) {
    if (!/dynamic import callback|ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING/.test(String((err as Error)?.message ?? err))) throw err;
    const vm = process.getBuiltinModule('node:vm') as typeof VmModule;
    const mainImport = vm.runInThisContext('(url) => import(url)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (url: string) => Promise<unknown>;
    return (await mainImport(url)) as T;
  }
}
