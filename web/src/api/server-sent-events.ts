// Server-Sent Events over fetch: EventSource cannot send the Authorization header the API requires,
// so the stream is read from a fetch body and parsed here (the WHATWG event-stream format).
export interface ServerSentEvent { id?: string; event: string; data: string }

/** Splits event-stream text into events; call with each decoded chunk, then with `flush` at the end. */
export function createEventStreamParser(onEvent: (e: ServerSentEvent) => void) {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const dispatch = () => {
    if (data.length > 0) onEvent({ id, event: event || 'message', data: data.join('\n') });
    data = [];
    event = '';
  };
  const line = (text: string) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  };
  return {
    push(chunk: string) {
      buffer += chunk;
      // A chunk may end between the \r and \n of one line break: keep a trailing \r until the next chunk shows.
      const held = buffer.endsWith('\r') ? 1 : 0;
      const lines = buffer.slice(0, buffer.length - held).split(/\r\n|\r|\n/);
      buffer = (lines.pop() ?? '') + (held ? '\r' : '');
      for (const l of lines) line(l);
    },
    flush() {
      if (buffer) line(buffer.replace(/\r$/, ''));
      buffer = '';
      dispatch();
    },
  };
}

/** Reads a fetch response's event stream to its end, calling onEvent for each event. */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (e: ServerSentEvent) => void): Promise<void> {
  const parser = createEventStreamParser(onEvent);
  const reader = body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.push(decoder.decode(value, { stream: true }));
  }
  parser.push(decoder.decode());
  parser.flush();
}
