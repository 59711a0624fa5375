"""APIs moto 5.2.1 lacks that smlog's handler calls, added to moto in this
process: used by the emulator (moto_lambda.py) and by the in-process handler
tests, so both see the same behaviour.

* CloudWatch Logs AssociateKmsKey: sets the log group's KMS key, as AWS does
  for the data written from then on (ResourceNotFoundException for a group
  that does not exist).
"""


def install():
    from moto.logs.exceptions import ResourceNotFoundException
    from moto.logs.models import LogsBackend
    from moto.logs.responses import LogsResponse

    def associate_kms_key(self, log_group_name, kms_key_id):
        if log_group_name not in self.groups:
            raise ResourceNotFoundException()
        self.groups[log_group_name].kms_key_id = kms_key_id

    def associate_kms_key_response(self):
        self.logs_backend.associate_kms_key(self._get_param("logGroupName"), self._get_param("kmsKeyId"))
        return ""

    LogsBackend.associate_kms_key = associate_kms_key
    LogsResponse.associate_kms_key = associate_kms_key_response
