// ChatError: a command throws it to refuse a request; the dispatcher turns it into an `error` response.
export class ChatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChatError";
  }
}
