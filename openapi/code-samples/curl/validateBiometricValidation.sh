# The user's device sends one face image with the liveness-session token (data.token of the create call).
IMAGE="data:image/jpeg;base64,$(base64 -w0 face.jpg)"
curl -sS -X POST "$FACEPROOF_URL/v2/biometric-validations/validate" \
  -H "Authorization: Bearer $LIVENESS_SESSION_TOKEN" \
  -H "Content-Type: application/json" \
  -d "{\"image\": \"$IMAGE\"}"
# -> 200 { "success": true, "data": { ..., "token": "<result token>" } }
# -> 400 { "code": "LIVENESS_DETECTION_FAILED", "attemptsRemaining": 2, ... }
