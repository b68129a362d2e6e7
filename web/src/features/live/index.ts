// The live trains feature's public surface: what the shell may use.
import './live.css';
export { DevicesPage } from './components/DevicesPage';
export { LivePage } from './components/LivePage';
export { TrainPage } from './components/TrainPage';
