/** The message layer IMAP FETCH and SEARCH use: pure functions over a stored message's bytes. */
export { parseMime, header, type MimePart, type HeaderField } from './structure.ts';
export { envelopeValue, addressList } from './envelope.ts';
export { bodyStructureValue } from './bodystructure.ts';
export { sectionBytes } from './section.ts';
export { matchesSearch, type SearchContext } from './search.ts';
