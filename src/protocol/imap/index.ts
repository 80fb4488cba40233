/**
 * The IMAP4rev1 wire layer (RFC 3501, with the RFC 9051 behaviour clients rely on): framing,
 * parsing, serializing and response writing. Pure: no sockets, no storage, no clocks.
 *
 *   bytes ─CommandReader─▶ RawCommand ─parseCommand─▶ Command ─serializeCommand─▶ bytes
 *   server state ─taggedResponse / untaggedStatus / *Data builders─▶ bytes
 */
export * from './types.ts';
export { CommandReader, literalHeader, type RawCommand, type ReaderError, type ReaderErrorCode, type ReaderEvent, type ReaderLimits } from './reader.ts';
export { ImapParseError, isImapParseError, type ImapParseErrorCode } from './errors.ts';
export { parseCommand, parseIdleDone, parseAuthenticateResponse, tryParseCommand, UID_COMMANDS, type AuthenticateResponse } from './parser.ts';
export { serializeCommand, serializeCommandBytes, type SerializeOptions } from './serialize.ts';
export { encodeMutf7, decodeMutf7 } from './mutf7.ts';
export { compressUids, formatSequenceSet, parseSequenceSet, rangesInOrder, resolveSequenceSet, sequenceSetHas, MAX_SEQ } from './sequence-set.ts';
export { formatDateTime, formatSearchDate, parseDateTime, parseSearchDate } from './date-time.ts';
export { continuation, continuationData, taggedResponse, untaggedData, untaggedStatus, writeValue, type ResponseOptions, type TaggedStatus, type UntaggedStatus, type WireValue } from './response.ts';
export { ATOM_RESPONSE_CODES, copyUidSets, type AtomResponseCode, type ResponseCode } from './response-codes.ts';
export * from './response-data.ts';
export { WireWriter, MAX_QUOTED, type WireWriterOptions } from './wire-writer.ts';
