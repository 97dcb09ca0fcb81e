import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The same names are registered on the dev server from search-attributes.json by `./dev up`.
export const SA = {
  userId: defineSearchAttributeKey('GatewayUserId', SearchAttributeType.KEYWORD),
  conversationId: defineSearchAttributeKey('GatewayConversationId', SearchAttributeType.KEYWORD),
  model: defineSearchAttributeKey('GatewayModel', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('GatewayStatus', SearchAttributeType.KEYWORD),
  costUsd: defineSearchAttributeKey('GatewayCostUsd', SearchAttributeType.DOUBLE),
  requestId: defineSearchAttributeKey('GatewayRequestId', SearchAttributeType.KEYWORD),
  kind: defineSearchAttributeKey('GatewayKind', SearchAttributeType.KEYWORD),
};
