# The user's device asks for the flow's liveness mode and, when it is active, the challenge to film.
curl -sS -X POST "$FACEPROOF_URL/v2/biometric-validations/liveness-challenge" \
  -H "Authorization: Bearer $LIVENESS_SESSION_TOKEN"
# -> 200 { "data": { "livenessMode": "active", "challenge": { "_id": "…", "steps": ["turn_left", "look_up"], … } } }
# -> 200 { "data": { "livenessMode": "passive" } }: send one image to validate, as before
# Then validate with the still, the challenge's _id and 8-15 frames:
#   -d '{"image": "data:image/jpeg;base64,…", "challengeId": "…", "frames": [{"image": "…", "capturedAtMs": 0}, …]}'
