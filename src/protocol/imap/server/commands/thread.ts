/**
 * THREAD (RFC 5256 §3) and UID THREAD: `THREAD (ORDEREDSUBJECT|REFERENCES) charset search-key…`
 * The search part is SEARCH's (search.ts). Sent dates fall back to INTERNALDATE (§2.2). Result:
 * `* THREAD (2)(3 6 (4 23)(44 7 96))`, `* THREAD` when nothing matched. The algorithms are pure
 * (mime/threading.ts); this file reads the header fields they need.
 */
import { baseSubject } from '../../../mime/base-subject.ts';
import { fieldValue } from '../../../mime/header.ts';
import { sentDate } from '../../../mime/sort-keys.ts';
import { messageIds, orderedSubject, references, type ThreadInput } from '../../../mime/threading.ts';
import { threadData } from '../../response-data.ts';
import { searchMailbox } from './search.ts';
import { SELECTED, type CommandOf, type CommandSpec } from './spec.ts';

export const THREAD: CommandSpec<CommandOf<'THREAD'>> = {
  states: SELECTED,
  async run(s, cmd) {
    const { hits } = await searchMailbox(s, cmd.search, cmd.charset);
    const inputs: ThreadInput[] = [];
    for (const hit of hits) {
      const fields = (await hit.message().catch(() => undefined))?.mime.fields ?? [];
      const refs = messageIds(fieldValue(fields, 'References'));
      inputs.push({
        id: cmd.uid ? hit.uid : hit.seq,
        order: hit.seq,
        date: sentDate(fields) ?? hit.internalDate.getTime(),
        subject: baseSubject(fieldValue(fields, 'Subject')),
        messageId: messageIds(fieldValue(fields, 'Message-ID'))[0],
        references: refs.length ? refs : messageIds(fieldValue(fields, 'In-Reply-To')).slice(0, 1),
      });
    }
    s.send(threadData(cmd.algorithm === 'REFERENCES' ? references(inputs) : orderedSubject(inputs)));
    return {};
  },
};
