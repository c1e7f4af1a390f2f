-- The five clients of the contract, each starting at balance 0. Client 6 must not exist.
INSERT INTO clientes (id, limite) VALUES
  (1, 100000),
  (2, 80000),
  (3, 1000000),
  (4, 10000000),
  (5, 500000);
