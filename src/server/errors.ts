/** An answer other than 200 with what went wrong, as `{ "error": … }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
