import type * as VmModule from 'node:vm';

/**
 * node-llama-cpp is ESM with top-level await, which require() cannot load, and both tsc and swc compile
 * `import()` to require() under CommonJS. A Function body keeps a real import(); under jest's VM sandbox
 * (no --experimental-vm-modules) that has no loader, so there it runs in the main context's loader instead.
 */
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  try {
    return (await nativeImport(specifier)) as T;
  } catch (err) {
    if (!/dynamic import callback|ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING/.test(String((err as Error)?.message ?? err))) throw err;
    const vm = process.getBuiltinModule('node:vm') as typeof VmModule;
    const mainImport = vm.runInThisContext('(specifier) => import(specifier)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }) as (specifier: string) => Promise<unknown>;
    return (await mainImport(specifier)) as T;
  }
}
