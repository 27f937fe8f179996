-- Exchanges: a return can refund to exchange credit (method `exchange`), which the customer's
-- next sale spends by naming the return. The used amount can never exceed the credit.
ALTER TABLE returns ADD COLUMN exchange_credit_minor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE returns ADD COLUMN exchange_used_minor INTEGER NOT NULL DEFAULT 0 CHECK (exchange_used_minor >= 0);
