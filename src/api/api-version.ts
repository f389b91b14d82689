/** The apiVersion of hoist's documents, in a module of its own so that readers of one constant load no schema. */
export const API_VERSION = 'hoist.dev/v1alpha1';
