// What the edge shares with main and the operations module: requests in flight, and whether the
// instance is draining (answers then carry Connection: close, and /ready says so).
export class EdgeState {
  inFlight = 0;
  draining = false;
}
