# The onboarding app enrols the user's face with the app registration's token.
IMAGE="data:image/jpeg;base64,$(base64 -w0 face.jpg)"
curl -sS -X POST "$FACEPROOF_URL/v2/biometric-validations/app-registration" \
  -H "Authorization: Bearer $APP_REGISTRATION_TOKEN" \
  -H "Content-Type: application/json" \
  -d "{\"image\": \"$IMAGE\", \"os\": \"DESKTOP\"}"
# -> 200 { "success": true, "data": { ...the app registration, now ONGOING, with its person } }
# -> 409 { "code": "person_already_set", "message": "409:person_already_set", ... }
