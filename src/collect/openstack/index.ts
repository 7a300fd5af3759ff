export { OpenStackClient, DEFAULT_COMPUTE_MICROVERSION, type OpenStackClientOptions, type RequestOptions, type JsonAnswer } from './client.js';
export { type OpenStackAuth, type AuthMethod, authMethodOf, describeIdentity } from './auth.js';
export { type EndpointInterface, type SelectedEndpoint, type Catalog, selectEndpoint, catalogRegions } from './catalog.js';
export { OpenStackHttpError, DEFAULT_RETRY_POLICY, type RetryPolicy } from './http.js';
export { type NegotiatedMicroversion } from './microversion.js';
export {
  createOpenStackCollectors,
  type OpenStackCollectorOptions,
  type OpenStackCollectorKind,
  type InstanceActionOptions,
} from './collectors.js';
