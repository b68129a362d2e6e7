export { AgentArea } from './components/AgentArea';
