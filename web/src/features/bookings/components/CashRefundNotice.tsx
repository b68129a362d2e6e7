import { useEffect, useState } from 'react';
import { useT } from '../../../i18n';
import { formatMoneyXAF } from '../../../lib/format';
import { Notice } from '../../../ui/Notice';
import { getPayment } from '../api/getPayment';
import { cashRefundOwed, paymentOf } from '../refundAtCounter';

const TRIES = 5;
const PAUSE_MS = 2_500;

/**
 * For a booking with money owed back: when the payment this device made for it says the refund cannot go back to
 * the card (it is `manual`), where to collect it. Nothing when the device does not know the payment, or it cannot be
 * read. The refund is recorded a moment after the cancellation, so the payment is asked a few times.
 */
export function CashRefundNotice({ pnr }: { pnr: string }) {
  const t = useT();
  const [owed, setOwed] = useState(0);

  useEffect(() => {
    const id = paymentOf(pnr);
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async (attempt: number) => {
      const result = await getPayment(id);
      if (stopped) return;
      if (result.ok) {
        const amount = cashRefundOwed(result.data);
        if (amount > 0) return setOwed(amount);
        if ((result.data.refunds ?? []).length > 0) return; // refunds known, none owed in cash
      }
      if (attempt + 1 < TRIES) timer = setTimeout(() => void ask(attempt + 1), PAUSE_MS);
    };
    void ask(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pnr]);

  if (owed === 0) return null;
  return (
    <Notice tone="info">
      <p>
        <strong>{t('bookings.cashRefund.title', { amount: formatMoneyXAF(owed) })}</strong>
      </p>
      <p>{t('bookings.cashRefund.where', { pnr })}</p>
    </Notice>
  );
}
