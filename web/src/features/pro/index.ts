export { ProArea } from './components/ProArea';
