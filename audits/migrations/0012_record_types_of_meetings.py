# The record types of SILG meetings (meetings/): choices only, no change to the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0011_record_type_of_impact_evidence"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditrecord",
            name="record_type",
            field=models.CharField(
                choices=[
                    ("review", "Review"),
                    ("recommendation", "Recommendation"),
                    ("action", "Action"),
                    ("progressupdate", "Progress update"),
                    ("evidence", "Evidence"),
                    ("signoffdecision", "Sign-off decision"),
                    ("extensionrequest", "Extension request"),
                    ("theme", "Theme"),
                    ("agency", "Agency"),
                    ("user", "User"),
                    ("partnership", "Partnership"),
                    ("membership", "Membership"),
                    ("invitation", "Invitation"),
                    ("request", "Request"),
                    ("closureday", "Closure day"),
                    ("progresscheck", "Progress check"),
                    ("impactcheck", "Impact check"),
                    ("impactevidence", "Impact evidence"),
                    ("learningactivity", "Learning activity"),
                    ("meeting", "SILG meeting"),
                    ("agendaitem", "Agenda item"),
                    ("meetingpack", "Meeting pack"),
                    ("minuteentry", "Minute entry"),
                ],
                max_length=20,
            ),
        ),
    ]
