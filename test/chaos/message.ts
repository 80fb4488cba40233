/** The messages the workload sends: a unique id in a header, and a trailer that marks a complete file. */
import { BODY_END, ID_HEADER } from './history.ts';

export function chaosMessage(id: string, to: string): string {
  return [
    `From: chaos@remote.test`,
    `To: ${to}`,
    `Subject: chaos ${id}`,
    `Message-ID: <${id}@chaos.test>`,
    `${ID_HEADER}: ${id}`,
    '',
    `Message ${id}.`,
    'x'.repeat(200),
    `${BODY_END} ${id} --`,
    '',
  ].join('\r\n');
}

export function idOf(headerOrMessage: string): string | undefined {
  return new RegExp(`^${ID_HEADER}: *(\\S+)`, 'mi').exec(headerOrMessage)?.[1];
}
