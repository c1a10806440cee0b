# With requires2FA, validate answers status "awaiting_2fa" and an empty token, and a six-digit code is
# emailed. The user's device then sends the code with the same liveness-session token.
curl -sS -X POST "$FACEPROOF_URL/v2/biometric-validations/confirm-2fa" \
  -H "Authorization: Bearer $LIVENESS_SESSION_TOKEN" \
  -H "Content-Type: application/json" \
  -d '{"code": "482913"}'
# -> 200 { "success": true, "data": { "status": "completed", ..., "token": "<result token>" } }
# -> 400 { "code": "INVALID_CODE", "attemptsRemaining": 4, ... }
