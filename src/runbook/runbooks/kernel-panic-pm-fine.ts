import { defineRunbook } from '../define.js';
import { vmHangSteps } from './vm-hang.js';

export default defineRunbook({
  id: 'kernel-panic-pm-fine',
  title: 'Kernel panic, PM fine',
  section: '§4.5',
  target: 'server',
  description: 'A VM process died in the hypervisor kernel and the hypervisor answers: the one server named is treated as a VM hang and is the only one reported.',
  steps: vmHangSteps,
});
