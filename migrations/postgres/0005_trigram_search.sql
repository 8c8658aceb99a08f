-- Trigram matching for the read models' search columns.
--
-- The order list's search (`search LIKE '%term%'`, the order number and customer reference,
-- lowercased) cannot use a B-tree, so with 100,000 orders every search scanned a customer's whole
-- order history. `Index::Trigram` on a read-model table (created with the table) is a GIN index
-- over `(tenant, customer_id, search gin_trgm_ops)`: pg_trgm gives the trigram operator class,
-- btree_gin the equality on the plain text columns in the same index, so one index scan finds a
-- customer's matching orders (with a trigram-only index PostgreSQL combined it with a scan of all
-- of the customer's rows, several times slower).
--
-- Both extensions ship with PostgreSQL (Debian's postgresql package, the official images) and
-- are trusted since PostgreSQL 13: the database owner creates them without superuser. SQLite has
-- no counterpart; there the search scans, which is fine at embedded sizes.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
