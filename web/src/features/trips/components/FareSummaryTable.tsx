import { useLang, useT, type TKey } from '../../../i18n';
import { formatMoneyXAF } from '../../../lib/format';
import type { PassengerType } from '../api/types';
import type { FareSummary } from '../fares';
import { countText } from './labels';

const TYPE_COUNTS: Record<PassengerType, { one: TKey; many: TKey }> = {
  adult: { one: 'trips.fares.adultsOne', many: 'trips.fares.adultsMany' },
  child: { one: 'trips.fares.childrenOne', many: 'trips.fares.childrenMany' },
  infant: { one: 'trips.fares.infantsOne', many: 'trips.fares.infantsMany' },
};

/** The party's fare, per passenger type (`2 adultes × 12 500 FCFA`), and the total. */
export function FareSummaryTable({ summary, captionId }: { summary: FareSummary; captionId?: string }) {
  const t = useT();
  const lang = useLang();
  return (
    <table className="fare-table" aria-labelledby={captionId}>
      <tbody>
        {summary.lines.map((line) => {
          const who = countText(t, lang, line.count, TYPE_COUNTS[line.type].one, TYPE_COUNTS[line.type].many);
          return (
            <tr key={line.type}>
              <th scope="row">
                {line.unitPrice === 0
                  ? who
                  : t('trips.fares.line', { who, price: formatMoneyXAF(line.unitPrice) })}
              </th>
              <td>{line.amount === 0 ? t('trips.fares.free') : formatMoneyXAF(line.amount)}</td>
            </tr>
          );
        })}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">{t('trips.fares.total')}</th>
          <td>{formatMoneyXAF(summary.total)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
