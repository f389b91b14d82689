/**
 * The listing bundle (`dist/hoist-list.js`, see src/build/bundle.mjs) holds only what `hoist get
 * clusters` needs to print its table; every other module it would load is built into it as one
 * that throws this. The entry then runs the command again in the whole CLI: nothing was printed
 * or written by then, and the command only reads.
 */
export class FullCliNeeded extends Error {
  constructor(module: string) {
    super(`${module} is not in the listing bundle`);
    this.name = 'FullCliNeeded';
  }
}
