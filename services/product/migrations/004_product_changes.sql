-- Every instance keeps a product cache; each must hear of every product change.
-- The change's product.* event row in the outbox NOTIFYs `product_changes` with
-- the product id. PostgreSQL delivers a notification at commit, to every session
-- listening on this database, and never for a rolled-back transaction.
CREATE FUNCTION notify_product_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('product_changes', NEW.key);
  RETURN NEW;
END
$$;

CREATE TRIGGER outbox_product_change AFTER INSERT ON outbox
  FOR EACH ROW WHEN (NEW.topic = 'product') EXECUTE FUNCTION notify_product_change();
