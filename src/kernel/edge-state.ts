// What the edge shares with main and the operations module: requests in flight, and draining.
// Its own file so that edge.ts and http-responder.ts do not import each other.

export class EdgeState {
  inFlight = 0;
  draining = false;
}
