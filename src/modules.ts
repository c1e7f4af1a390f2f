// The modules of the house: the business modules MODULES names, in that order, then operations
// (always on). Composing them has no side effect (no connection is opened), so the API
// reference can be rendered from the same composition without a database (scripts/api-docs.ts).
import { createBillingModule } from './billing/module.js';
import type { ModuleName } from './config.js';
import type { Module, ModuleContext, ModuleFactory } from './kernel/module.js';
import { createConsoleModule } from './console/module.js';
import { createLedgerModule } from './ledger/module.js';
import { createOperationsModule } from './operations/module.js';
import { createPixModule } from './pix/module.js';
import { createTransfersModule } from './transfers/module.js';

const MODULE_FACTORIES: Readonly<Record<ModuleName, ModuleFactory>> = {
  ledger: createLedgerModule,
  transfers: createTransfersModule,
  pix: createPixModule,
  billing: createBillingModule,
  console: createConsoleModule,
};

export function composeModules(names: readonly ModuleName[], context: ModuleContext): Module[] {
  return [...names.map((name) => MODULE_FACTORIES[name](context)), createOperationsModule(context)];
}
