// What the edge shares with main and the operations module: requests in flight, and whether the
// instance is draining (answers then carry Connection: close, and /ready says so). Its own file
// so that edge.ts and http-responder.ts do not import each other.
export class EdgeState {
  inFlight = 0;
  draining = false;
}
