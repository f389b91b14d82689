/**
 * The one door to @peculiar/x509. Its dependency injection (tsyringe) needs a Reflect polyfill
 * loaded before it, and it needs a WebCrypto provider: importing x509 through this module
 * guarantees both, whichever module of hoist happens to load it first.
 */

import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;
