/** Modified UTF-7 for mailbox names: shared with storage, see src/util/mutf7.ts. */
export { decodeMutf7, encodeMutf7 } from '../../util/mutf7.ts';
