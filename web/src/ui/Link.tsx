import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { isPlainLeftClick, navigate } from '../lib/router';

type Props = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

/** A link to an in-app path: a real `<a href>`, followed without reloading the page. */
export function Link({ to, onClick, ...rest }: Props) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (!isPlainLeftClick(event) || rest.target) return;
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}
