# Your backend opens a login validation with its client access token.
curl -sS -X POST "$FACEPROOF_URL/v2/biometric-validations" \
  -H "Authorization: Bearer $FACEPROOF_CLIENT_TOKEN" \
  -H "Content-Type: application/json" \
  -H "Idempotency-Key: $(uuidgen)" \
  -d '{
    "project": "66df5bf5c4d855fb0bdf5da2",
    "projectFlow": "66df5c22c4d855fb0bdf5da9",
    "identifier": "03da12fba",
    "type": "login"
  }'
# -> { "success": true, "data": { "biometricValidation": {...}, "livenessSession": {...}, "token": "eyJ..." } }
