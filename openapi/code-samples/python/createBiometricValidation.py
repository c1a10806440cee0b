import os
import requests

# On your backend: the client access token never reaches a user's device.
response = requests.post(
    f"{os.environ['FACEPROOF_URL']}/v2/biometric-validations",
    headers={"Authorization": f"Bearer {os.environ['FACEPROOF_CLIENT_TOKEN']}"},
    json={
        "project": "66df5bf5c4d855fb0bdf5da2",
        "projectFlow": "66df5c22c4d855fb0bdf5da9",
        "identifier": "03da12fba",
        "type": "login",
    },
    timeout=30,
)
body = response.json()
if not response.ok:
    raise RuntimeError(f"{body['code']}: {body['error']}")
token = body["data"]["token"]  # the liveness-session token for the user's device
print(body["data"]["biometricValidation"]["url"], token)
