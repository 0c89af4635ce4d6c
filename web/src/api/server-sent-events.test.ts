import { describe, expect, it } from 'vitest';
import { createEventStreamParser, readEventStream, type ServerSentEvent } from './server-sent-events.ts';

describe('event-stream parsing', () => {
  it('parses events split at any point between chunks, with ids, names and multi-line data', () => {
    const text = 'id: 1\nevent: progress\ndata: {"rows":10}\n\n: comment\nid: 2\r\nevent: end\r\ndata: a\r\ndata: b\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const seen: ServerSentEvent[] = [];
      const parser = createEventStreamParser((e) => seen.push(e));
      parser.push(text.slice(0, cut));
      parser.push(text.slice(cut));
      parser.flush();
      expect(seen).toEqual([
        { id: '1', event: 'progress', data: '{"rows":10}' },
        { id: '2', event: 'end', data: 'a\nb' },
      ]);
    }
  });
  it('names an unnamed event "message" and dispatches a last event with no blank line after it', async () => {
    const seen: ServerSentEvent[] = [];
    await readEventStream(new Response('data: x\n\ndata: y').body!, (e) => seen.push(e));
    expect(seen.map((e) => [e.event, e.data])).toEqual([['message', 'x'], ['message', 'y']]);
  });
});
