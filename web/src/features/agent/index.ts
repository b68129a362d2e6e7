// The staff area's public surface: what the shell may use.
import './agent.css';
export { AgentArea } from './components/AgentArea';
export { CheckPage } from './components/CheckPage';
export { CollectPage } from './components/CollectPage';
export { ManifestPage } from './components/ManifestPage';
export { RefundPage } from './components/RefundPage';
export { SalePage } from './components/SalePage';
export { TillPage } from './components/TillPage';
