/**
 * The message layer IMAP FETCH and SEARCH use: pure functions over a stored message's bytes.
 * Nothing here does I/O; nothing throws on malformed mail.
 */
export { parseMime } from './structure.ts';
export { envelopeValue } from './envelope.ts';
export { bodyStructureValue } from './bodystructure.ts';
export { sectionBytes } from './section.ts';
export { binaryContent, type BinaryContent } from './binary.ts';
export { matchesSearch, type SearchContext } from './search.ts';
export type { HeaderField, MimeDisposition, MimeMessage, MimeParam, MimePart } from './types.ts';
