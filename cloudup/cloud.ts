/**
 * The types the AWS and GCE model builders import from here; the contract itself is
 * provider.ts. Kept until those imports name provider.ts.
 */

export type { BootOptions, CloudInstance } from './provider.js';
